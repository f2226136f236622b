// Fused optimizer updates, one parameter tensor per call, following torch.optim's single-tensor
// implementations step for step. Loop variants are specialised at compile time on the flags, so
// the per-element work has no branches.
import { madd } from "./vector";

// @ts-ignore: decorator
@inline function sgdLoop(
  param: usize, grad: usize, buffer: usize, n: i32,
  negLr: f32, momentum: f32, keep: f32, weightDecay: f32,
  decay: bool, hasMomentum: bool, nesterov: bool, firstStep: bool,
): void {
  const vNegLr = f32x4.splat(negLr);
  const vMomentum = f32x4.splat(momentum);
  const vKeep = f32x4.splat(keep);
  const vDecay = f32x4.splat(weightDecay);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const p = v128.load(param + o);
    let d = v128.load(grad + o);
    if (decay) d = madd(vDecay, p, d);
    if (hasMomentum) {
      let b = d;
      if (!firstStep) b = madd(vKeep, d, f32x4.mul(vMomentum, v128.load(buffer + o)));
      v128.store(buffer + o, b);
      d = nesterov ? madd(vMomentum, b, d) : b;
    }
    v128.store(param + o, madd(vNegLr, d, p));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const p = load<f32>(param + o);
    let d = load<f32>(grad + o);
    if (decay) d = d + weightDecay * p;
    if (hasMomentum) {
      let b = d;
      if (!firstStep) b = momentum * load<f32>(buffer + o) + keep * d;
      store<f32>(buffer + o, b);
      d = nesterov ? d + momentum * b : b;
    }
    store<f32>(param + o, p + negLr * d);
  }
}

// @ts-ignore: decorator
@inline function sgdMomentum(
  param: usize, grad: usize, buffer: usize, n: i32,
  negLr: f32, momentum: f32, keep: f32, weightDecay: f32,
  decay: bool, nesterov: bool, firstStep: bool,
): void {
  if (momentum == 0) {
    sgdLoop(param, grad, buffer, n, negLr, momentum, keep, weightDecay, decay, false, false, false);
  } else if (nesterov) {
    if (firstStep) {
      sgdLoop(param, grad, buffer, n, negLr, momentum, keep, weightDecay, decay, true, true, true);
    } else {
      sgdLoop(param, grad, buffer, n, negLr, momentum, keep, weightDecay, decay, true, true, false);
    }
  } else if (firstStep) {
    sgdLoop(param, grad, buffer, n, negLr, momentum, keep, weightDecay, decay, true, false, true);
  } else {
    sgdLoop(param, grad, buffer, n, negLr, momentum, keep, weightDecay, decay, true, false, false);
  }
}

/**
 * PyTorch SGD for one parameter of n elements: g' = g + weightDecay·p (when weightDecay ≠ 0);
 * with momentum ≠ 0, buf = firstStep ? g' : momentum·buf + (1 − dampening)·g' and the direction is
 * nesterov ? g' + momentum·buf : buf (without momentum, g' itself; buf is then unused);
 * p −= lr·direction.
 * @splitElements n: param, grad, momentumBuffer
 */
export function sgdStepF32(
  param: usize, grad: usize, momentumBuffer: usize, n: i32,
  lr: f64, momentum: f64, dampening: f64, weightDecay: f64, nesterov: i32, firstStep: i32,
): void {
  // Scalars reach f32 the way torch's do: each coefficient is formed in f64, then rounded once.
  const negLr = <f32>-lr;
  const keep = <f32>(1.0 - dampening);
  if (weightDecay != 0) {
    sgdMomentum(
      param, grad, momentumBuffer, n, negLr, <f32>momentum, keep, <f32>weightDecay,
      true, nesterov != 0, firstStep != 0,
    );
  } else {
    sgdMomentum(
      param, grad, momentumBuffer, n, negLr, <f32>momentum, keep, 0,
      false, nesterov != 0, firstStep != 0,
    );
  }
}

// @ts-ignore: decorator
@inline function adamLoop(
  param: usize, grad: usize, m: usize, v: usize, vMax: usize, n: i32,
  weight1: f32, beta2: f32, weight2: f32, eps: f32, weightDecay: f32, shrink: f32,
  stepSize: f32, correction2Sqrt: f32, coupledDecay: bool, decoupledDecay: bool, amsgrad: bool,
): void {
  const vWeight1 = f32x4.splat(weight1);
  const vBeta2 = f32x4.splat(beta2);
  const vWeight2 = f32x4.splat(weight2);
  const vEps = f32x4.splat(eps);
  const vDecay = f32x4.splat(weightDecay);
  const vShrink = f32x4.splat(shrink);
  const vNegStep = f32x4.splat(-stepSize);
  const vCorrection2Sqrt = f32x4.splat(correction2Sqrt);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    let p = v128.load(param + o);
    let g = v128.load(grad + o);
    if (coupledDecay) g = madd(vDecay, p, g);
    if (decoupledDecay) p = f32x4.mul(p, vShrink);
    // m.lerp_(g, 1 − β1): m + (1 − β1)·(g − m)
    let mo = v128.load(m + o);
    mo = madd(vWeight1, f32x4.sub(g, mo), mo);
    // v.mul_(β2).addcmul_(g, g, 1 − β2)
    const vo = madd(vWeight2, f32x4.mul(g, g), f32x4.mul(v128.load(v + o), vBeta2));
    v128.store(m + o, mo);
    v128.store(v + o, vo);
    let second = vo;
    if (amsgrad) {
      // torch.maximum(max_exp_avg_sq, exp_avg_sq): a NaN in either stays NaN, as f32x4.max keeps it.
      second = f32x4.max(v128.load(vMax + o), vo);
      v128.store(vMax + o, second);
    }
    const denominator = f32x4.add(f32x4.div(f32x4.sqrt(second), vCorrection2Sqrt), vEps);
    v128.store(param + o, madd(vNegStep, f32x4.div(mo, denominator), p));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    let p = load<f32>(param + o);
    let g = load<f32>(grad + o);
    if (coupledDecay) g = g + weightDecay * p;
    if (decoupledDecay) p = p * shrink;
    let mo = load<f32>(m + o);
    mo = mo + weight1 * (g - mo);
    const vo = load<f32>(v + o) * beta2 + weight2 * (g * g);
    store<f32>(m + o, mo);
    store<f32>(v + o, vo);
    let second = vo;
    if (amsgrad) {
      second = max(load<f32>(vMax + o), vo);
      store<f32>(vMax + o, second);
    }
    const denominator = Mathf.sqrt(second) / correction2Sqrt + eps;
    store<f32>(param + o, p + -stepSize * (mo / denominator));
  }
}

/**
 * What adamStepF32 and adamAmsgradStepF32 share: the coefficients, formed as torch forms them,
 * and the choice of loop; `amsgrad` is a constant at each call, so each export inlines one loop
 * (vMax is not read without it).
 */
// @ts-ignore: decorator
@inline function adamStep(
  param: usize, grad: usize, m: usize, v: usize, vMax: usize, n: i32,
  lr: f64, beta1: f64, beta2: f64, eps: f64, weightDecay: f64, decoupled: i32,
  biasCorrection1: f64, biasCorrection2: f64, amsgrad: bool,
): void {
  // Scalars reach f32 the way torch's do: each coefficient is formed in f64, then rounded once.
  const weight1 = <f32>(1.0 - beta1);
  const weight2 = <f32>(1.0 - beta2);
  const stepSize = <f32>(lr / biasCorrection1);
  const correction2Sqrt = <f32>Math.sqrt(biasCorrection2);
  const shrink = <f32>(1.0 - lr * weightDecay);
  if (weightDecay == 0) {
    adamLoop(
      param, grad, m, v, vMax, n, weight1, <f32>beta2, weight2, <f32>eps, 0, shrink, stepSize,
      correction2Sqrt, false, false, amsgrad,
    );
  } else if (decoupled != 0) {
    adamLoop(
      param, grad, m, v, vMax, n, weight1, <f32>beta2, weight2, <f32>eps, <f32>weightDecay,
      shrink, stepSize, correction2Sqrt, false, true, amsgrad,
    );
  } else {
    adamLoop(
      param, grad, m, v, vMax, n, weight1, <f32>beta2, weight2, <f32>eps, <f32>weightDecay,
      shrink, stepSize, correction2Sqrt, true, false, amsgrad,
    );
  }
}

/**
 * PyTorch Adam (decoupled = 0: g += weightDecay·p) or AdamW (decoupled = 1: p *= 1 − lr·weightDecay)
 * for one parameter of n elements. m = β1·m + (1−β1)·g (as m.lerp_(g, 1 − β1));
 * v = β2·v + (1−β2)·g²; p −= lr · (m / biasCorrection1) / (sqrt(v / biasCorrection2) + eps),
 * evaluated as torch does: p −= (lr / bc1) · m / (sqrt(v) / sqrt(bc2) + eps).
 * biasCorrection1 = 1 − β1^t and biasCorrection2 = 1 − β2^t for step t ≥ 1.
 * @splitElements n: param, grad, m, v
 */
export function adamStepF32(
  param: usize, grad: usize, m: usize, v: usize, n: i32,
  lr: f64, beta1: f64, beta2: f64, eps: f64, weightDecay: f64, decoupled: i32,
  biasCorrection1: f64, biasCorrection2: f64,
): void {
  adamStep(
    param, grad, m, v, 0, n, lr, beta1, beta2, eps, weightDecay, decoupled, biasCorrection1,
    biasCorrection2, false,
  );
}

/**
 * adamStepF32 with AMSGrad (torch.optim.Adam/AdamW amsgrad=True): after the moments,
 * vMax = max(vMax, v), and vMax takes v's place in the denominator:
 * p −= (lr / bc1) · m / (sqrt(vMax) / sqrt(bc2) + eps).
 * @splitElements n: param, grad, m, v, vMax
 */
export function adamAmsgradStepF32(
  param: usize, grad: usize, m: usize, v: usize, vMax: usize, n: i32,
  lr: f64, beta1: f64, beta2: f64, eps: f64, weightDecay: f64, decoupled: i32,
  biasCorrection1: f64, biasCorrection2: f64,
): void {
  adamStep(
    param, grad, m, v, vMax, n, lr, beta1, beta2, eps, weightDecay, decoupled, biasCorrection1,
    biasCorrection2, true,
  );
}

// @ts-ignore: decorator
@inline function rmspropLoop(
  param: usize, grad: usize, squareAvg: usize, gradAvg: usize, buffer: usize, n: i32,
  alpha: f32, weight: f32, eps: f32, weightDecay: f32, momentum: f32, negLr: f32,
  decay: bool, centered: bool, hasMomentum: bool,
): void {
  const vAlpha = f32x4.splat(alpha);
  const vWeight = f32x4.splat(weight);
  const vEps = f32x4.splat(eps);
  const vDecay = f32x4.splat(weightDecay);
  const vMomentum = f32x4.splat(momentum);
  const vNegLr = f32x4.splat(negLr);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const p = v128.load(param + o);
    let g = v128.load(grad + o);
    if (decay) g = madd(vDecay, p, g);
    // square_avg.mul_(α).addcmul_(g, g, value=1 − α): s·α + ((1 − α)·g)·g
    const s = madd(f32x4.mul(vWeight, g), g, f32x4.mul(v128.load(squareAvg + o), vAlpha));
    v128.store(squareAvg + o, s);
    let avg = s;
    if (centered) {
      // grad_avg.mul_(α).add_(g, alpha=1 − α); avg = sqrt(square_avg − grad_avg²)
      const a = madd(vWeight, g, f32x4.mul(v128.load(gradAvg + o), vAlpha));
      v128.store(gradAvg + o, a);
      avg = f32x4.sub(s, f32x4.mul(a, a));
    }
    avg = f32x4.add(f32x4.sqrt(avg), vEps);
    if (hasMomentum) {
      // buf.mul_(momentum).addcdiv_(g, avg); p.add_(buf, alpha=−lr)
      const b = f32x4.add(f32x4.mul(v128.load(buffer + o), vMomentum), f32x4.div(g, avg));
      v128.store(buffer + o, b);
      v128.store(param + o, madd(vNegLr, b, p));
    } else {
      // p.addcdiv_(g, avg, value=−lr): p + (−lr·g) / avg
      v128.store(param + o, f32x4.add(p, f32x4.div(f32x4.mul(vNegLr, g), avg)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const p = load<f32>(param + o);
    let g = load<f32>(grad + o);
    if (decay) g = g + weightDecay * p;
    const s = load<f32>(squareAvg + o) * alpha + (weight * g) * g;
    store<f32>(squareAvg + o, s);
    let avg = s;
    if (centered) {
      const a = load<f32>(gradAvg + o) * alpha + weight * g;
      store<f32>(gradAvg + o, a);
      avg = s - a * a;
    }
    avg = Mathf.sqrt(avg) + eps;
    if (hasMomentum) {
      const b = load<f32>(buffer + o) * momentum + g / avg;
      store<f32>(buffer + o, b);
      store<f32>(param + o, p + negLr * b);
    } else {
      store<f32>(param + o, p + (negLr * g) / avg);
    }
  }
}

// @ts-ignore: decorator
@inline function rmspropCentered(
  param: usize, grad: usize, squareAvg: usize, gradAvg: usize, buffer: usize, n: i32,
  alpha: f32, weight: f32, eps: f32, weightDecay: f32, momentum: f32, negLr: f32,
  decay: bool, centered: bool,
): void {
  if (centered) {
    if (momentum > 0) {
      rmspropLoop(
        param, grad, squareAvg, gradAvg, buffer, n, alpha, weight, eps, weightDecay, momentum,
        negLr, decay, true, true,
      );
    } else {
      rmspropLoop(
        param, grad, squareAvg, gradAvg, buffer, n, alpha, weight, eps, weightDecay, momentum,
        negLr, decay, true, false,
      );
    }
  } else if (momentum > 0) {
    rmspropLoop(
      param, grad, squareAvg, gradAvg, buffer, n, alpha, weight, eps, weightDecay, momentum,
      negLr, decay, false, true,
    );
  } else {
    rmspropLoop(
      param, grad, squareAvg, gradAvg, buffer, n, alpha, weight, eps, weightDecay, momentum,
      negLr, decay, false, false,
    );
  }
}

/**
 * PyTorch RMSprop for one parameter of n elements: g' = g + weightDecay·p (when weightDecay ≠ 0);
 * s = α·s + (1 − α)·g'²; with centered ≠ 0, a = α·a + (1 − α)·g' and avg = sqrt(s − a²), else
 * avg = sqrt(s); avg += eps. With momentum > 0, buf = momentum·buf + g'/avg and p −= lr·buf;
 * without, p −= lr·g'/avg. gradAvg is read only when centered, momentumBuffer only with momentum.
 * @splitElements n: param, grad, squareAvg, gradAvg, momentumBuffer
 */
export function rmspropStepF32(
  param: usize, grad: usize, squareAvg: usize, gradAvg: usize, momentumBuffer: usize, n: i32,
  lr: f64, alpha: f64, eps: f64, weightDecay: f64, momentum: f64, centered: i32,
): void {
  // Scalars reach f32 the way torch's do: each coefficient is formed in f64, then rounded once.
  const weight = <f32>(1.0 - alpha);
  const negLr = <f32>-lr;
  if (weightDecay != 0) {
    rmspropCentered(
      param, grad, squareAvg, gradAvg, momentumBuffer, n, <f32>alpha, weight, <f32>eps,
      <f32>weightDecay, <f32>momentum, negLr, true, centered != 0,
    );
  } else {
    rmspropCentered(
      param, grad, squareAvg, gradAvg, momentumBuffer, n, <f32>alpha, weight, <f32>eps, 0,
      <f32>momentum, negLr, false, centered != 0,
    );
  }
}

// @ts-ignore: decorator
@inline function adagradLoop(
  param: usize, grad: usize, sum: usize, n: i32,
  negLr: f32, eps: f32, weightDecay: f32, decay: bool,
): void {
  const vNegLr = f32x4.splat(negLr);
  const vEps = f32x4.splat(eps);
  const vDecay = f32x4.splat(weightDecay);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const p = v128.load(param + o);
    let g = v128.load(grad + o);
    if (decay) g = madd(vDecay, p, g);
    // state_sum.addcmul_(g, g); std = sqrt(state_sum) + eps; p.addcdiv_(g, std, value=−clr)
    const s = madd(g, g, v128.load(sum + o));
    v128.store(sum + o, s);
    const std = f32x4.add(f32x4.sqrt(s), vEps);
    v128.store(param + o, f32x4.add(p, f32x4.div(f32x4.mul(vNegLr, g), std)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const p = load<f32>(param + o);
    let g = load<f32>(grad + o);
    if (decay) g = g + weightDecay * p;
    const s = load<f32>(sum + o) + g * g;
    store<f32>(sum + o, s);
    store<f32>(param + o, p + (negLr * g) / (Mathf.sqrt(s) + eps));
  }
}

/**
 * PyTorch Adagrad for one parameter of n elements at step t ≥ 1: g' = g + weightDecay·p (when
 * weightDecay ≠ 0); sum += g'²; p −= clr·g' / (sqrt(sum) + eps) with the decayed rate
 * clr = lr / (1 + (t − 1)·lrDecay).
 * @splitElements n: param, grad, sum
 */
export function adagradStepF32(
  param: usize, grad: usize, sum: usize, n: i32,
  lr: f64, lrDecay: f64, eps: f64, weightDecay: f64, step: f64,
): void {
  // Scalars reach f32 the way torch's do: each coefficient is formed in f64, then rounded once.
  const negLr = <f32>-(lr / (1.0 + (step - 1.0) * lrDecay));
  if (weightDecay != 0) {
    adagradLoop(param, grad, sum, n, negLr, <f32>eps, <f32>weightDecay, true);
  } else {
    adagradLoop(param, grad, sum, n, negLr, <f32>eps, 0, false);
  }
}
